//! Demo data for `serve --demo`: loaded once, then only its logins are printed.

use domain::{access::AccessRequestInput, role::Role};

use crate::{
    app::{access, auth, App},
    store::settings,
};

/// A demo login, printed at start.
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
    pub role: Role,
    pub name: &'static str,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        email: "admin@regioncajamarca.gob.pe",
        password: "demo-admin-2026",
        role: Role::Admin,
        name: "Rosa Quispe Chávez",
    },
    DemoLogin {
        email: "analista@regioncajamarca.gob.pe",
        password: "demo-analista-2026",
        role: Role::Analista,
        name: "Jorge Huamán Díaz",
    },
    DemoLogin {
        email: "solicitante@regioncajamarca.gob.pe",
        password: "demo-solicitante-2026",
        role: Role::Solicitante,
        name: "María Cabrera Llanos",
    },
];

/// Loads the demo data unless it is already there; true when it was loaded now.
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let mut conn = app.store.conn().await?;
    if settings::get(&mut conn, settings::DEMO_LOADED)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    drop(conn);
    for login in LOGINS {
        auth::create_user(app, login.email, login.name, login.role, login.password)
            .await
            .map_err(|e| anyhow::anyhow!("demo user {}: {e:?}", login.email))?;
    }
    access::file(
        app,
        &AccessRequestInput {
            full_name: "Luis Alberto Vargas Rojas".into(),
            dni: "10117410".into(),
            position: "Especialista administrativo".into(),
            unit: "Oficina de Abastecimiento".into(),
            dependency: "Sede central".into(),
            start_date: "2025-03-01".into(),
            email: "lvargas@regioncajamarca.gob.pe".into(),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo access request: {e:?}"))?;
    let mut conn = app.store.conn().await?;
    settings::set_once(&mut conn, settings::DEMO_LOADED, "1").await?;
    Ok(true)
}
