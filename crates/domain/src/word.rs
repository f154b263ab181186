//! Closed sets of words: kinds, statuses, roles, channels, media… Each is an enum whose
//! variants strum names (`IntoStaticStr`, snake_case unless a variant says otherwise) and
//! lists (`VariantArray`); [`words!`] adds the same three things to each: `ALL`, `as_str`
//! and a `FromStr` with a Spanish error. No list of variants or of names is kept by hand,
//! and the Spanish labels stay exhaustive `match`es next to each enum.
//!
//! Pure: no I/O.

use strum::VariantArray;

/// A word that is not one of the set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Valor no válido para {what}: «{value}». Use {}.", one_of(.valid))]
pub struct UnknownWord {
    /// What the words name, in Spanish ("el tipo de trámite").
    pub what: &'static str,
    /// What was given.
    pub value: String,
    /// The valid words, in order.
    pub valid: Vec<&'static str>,
}

/// `a, b o c`: a Spanish list of alternatives.
pub(crate) fn one_of(words: &[impl AsRef<str>]) -> String {
    let words: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    match words.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} o {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Reads a word of the set `T`: surrounding blanks are ignored and ASCII case does not
/// matter (`" ADMIN "` is `admin`).
pub fn parse<T>(input: &str, what: &'static str) -> Result<T, UnknownWord>
where
    T: VariantArray + Copy + Into<&'static str>,
{
    let wanted = input.trim();
    T::VARIANTS
        .iter()
        .copied()
        .find(|v| Into::<&'static str>::into(*v).eq_ignore_ascii_case(wanted))
        .ok_or_else(|| UnknownWord {
            what,
            value: input.to_owned(),
            valid: T::VARIANTS.iter().map(|v| (*v).into()).collect(),
        })
}

/// Declares a closed set of words: the enum with the derives every such set has (strum
/// names and lists its variants, serde reads and writes the same names), and its `ALL`,
/// `as_str`, `Display` and `FromStr` (with a Spanish error, and optional aliases people
/// type):
///
/// ```text
/// words! {
///     /// What the ticket asks for.
///     #[serde(rename_all = "lowercase")]
///     #[strum(serialize_all = "lowercase")]
///     pub enum Kind: "el tipo de trámite" { Emision, Reemision, Instalacion, Cancelacion }
/// }
/// ```
macro_rules! words {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $what:literal {
            $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
        }
        $(aliases { $($alias:literal => $target:ident),+ $(,)? })?
    ) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            strum::IntoStaticStr,
            strum::VariantArray,
        )]
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = <$name as strum::VariantArray>::VARIANTS;

            /// The stable wire and database value.
            pub fn as_str(&self) -> &'static str {
                (*self).into()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::word::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $($(
                    if s.trim().to_lowercase() == $alias {
                        return Ok($name::$target);
                    }
                )+)?
                $crate::word::parse(s, $what)
            }
        }
    };
}

pub(crate) use words;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    words! {
        #[strum(serialize_all = "snake_case")]
        enum Colour: "el color" {
            Azul,
            VerdeClaro,
            #[strum(serialize = "rojo.pe")]
            Rojo,
        }
        aliases { "rojo_pe" => Rojo }
    }

    #[test]
    fn every_word_round_trips_through_its_name() {
        assert_eq!(
            Colour::ALL.iter().map(Colour::as_str).collect::<Vec<_>>(),
            ["azul", "verde_claro", "rojo.pe"]
        );
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>().unwrap(), *c);
            assert_eq!(c.to_string(), c.as_str());
        }
    }

    #[test]
    fn words_are_trimmed_and_ascii_case_insensitive() {
        assert_eq!(
            " VERDE_claro ".parse::<Colour>().unwrap(),
            Colour::VerdeClaro
        );
    }

    #[test]
    fn an_unknown_word_says_what_it_is_and_which_words_are_valid() {
        let err = "morado".parse::<Colour>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Valor no válido para el color: «morado». Use azul, verde_claro o rojo.pe."
        );
    }
}
