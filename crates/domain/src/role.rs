//! Roles of SPEC.md "Users and roles": who may do what, by name.
//!
//! Pure: no I/O. The application layer enforces permissions; this module only names them.

use crate::word::words;

words! {
    /// A user's role. Serialized as the Spanish lower-case word of SPEC.md.
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum Role: "el rol" {
        /// Any staff member with an account.
        Solicitante,
        /// Service-desk analyst.
        Analista,
        /// The entity's certification officer / IT.
        Admin,
    }
}

impl Role {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Role::Solicitante => "Solicitante",
            Role::Analista => "Analista",
            Role::Admin => "Administrador",
        }
    }

    /// Analysts and admins work the queue ("everything an analyst may" includes admins).
    pub fn is_analyst(&self) -> bool {
        matches!(self, Role::Analista | Role::Admin)
    }

    /// Only admins manage accounts, settings and the audit log.
    pub fn is_admin(&self) -> bool {
        matches!(self, Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(role.to_string(), role.as_str());
        }
    }

    #[test]
    fn role_names_are_case_insensitive_and_trimmed() {
        assert_eq!(" ADMIN ".parse::<Role>().unwrap(), Role::Admin);
    }

    #[test]
    fn an_unknown_role_is_refused_with_a_spanish_message() {
        let err = "jefe".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("el rol"));
        assert!(err.to_string().contains("solicitante, analista o admin"));
        assert!(err.to_string().contains("jefe"));
    }

    #[test]
    fn admins_count_as_analysts_but_analysts_are_not_admins() {
        assert!(Role::Admin.is_analyst());
        assert!(Role::Analista.is_analyst());
        assert!(!Role::Solicitante.is_analyst());
        assert!(Role::Admin.is_admin());
        assert!(!Role::Analista.is_admin());
        assert!(!Role::Solicitante.is_admin());
    }

    #[test]
    fn labels_are_spanish() {
        assert_eq!(Role::Solicitante.label(), "Solicitante");
        assert_eq!(Role::Analista.label(), "Analista");
        assert_eq!(Role::Admin.label(), "Administrador");
    }
}
