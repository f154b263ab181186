//! The HTML side: Spanish pages, the login form with its CSRF token, the public form.

use domain::role::Role;

use crate::helpers::{
    attrs, count, csrf_token, doc, error_summary, field_error, h1, spawn_app, text, texts, Find,
};

#[tokio::test]
async fn the_login_page_is_spanish() {
    let app = spawn_app().await;
    let (status, html) = app.page("/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"es-PE\">"));
    assert!(html.contains("Correo institucional"));
    assert!(html.contains("Contraseña"));
    assert!(html.contains(">Ingresar</button>"));
    assert!(html.contains("Centro de Información y Sistemas"));
    assert_eq!(h1(&html), "Ingresar");
    assert_eq!(attrs(&html, "html", "lang"), vec!["es-PE"]);
    // Each label names its own field, and the form's one button sends it.
    assert_eq!(
        text(&html, "form[action='/login'] label[for=email]"),
        "Correo institucional"
    );
    assert_eq!(
        count(&html, "form[action='/login'] input#email[type=email]"),
        1
    );
    assert_eq!(
        text(&html, "form[action='/login'] label[for=password]"),
        "Contraseña"
    );
    assert_eq!(
        count(&html, "form[action='/login'] input#password[type=password]"),
        1
    );
    assert_eq!(
        texts(&html, "form[action='/login'] button"),
        vec!["Ingresar"]
    );
    assert!(text(&html, "footer.site-footer").starts_with("Centro de Información y Sistemas"));
    // Nobody is signed in: no name, no logout.
    assert_eq!(count(&html, "header .who"), 0);
}

#[tokio::test]
async fn logging_in_through_the_form_opens_a_session_and_logging_out_closes_it() {
    let app = spawn_app().await;
    app.user(
        "maria@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave segura 2026",
    )
    .await;
    let (_, html) = app.page("/login").await;
    let csrf = csrf_token(&html);
    let res = app
        .submit(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", "maria@regioncajamarca.gob.pe"),
                ("password", "clave segura 2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cd_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));

    let (status, home) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Persona de Prueba"));
    assert!(home.contains("Cerrar sesión"));
    assert_eq!(h1(&home), "Hola, Persona de Prueba");
    assert_eq!(text(&home, "header .who .who-name"), "Persona de Prueba");
    assert_eq!(
        texts(&home, "header .who form[action='/logout'] button"),
        vec!["Cerrar sesión"]
    );

    // The session's own CSRF token now guards forms.
    let session_csrf = csrf_token(&home);
    let res = app
        .submit("/logout", &[("csrf_token", &session_csrf)])
        .await;
    assert_eq!(res.status(), 303);
    let res = app.browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
}

#[tokio::test]
async fn a_form_posted_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.user(
        "maria@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave segura 2026",
    )
    .await;
    let (_, _html) = app.page("/login").await;
    let res = app
        .submit(
            "/login",
            &[
                ("email", "maria@regioncajamarca.gob.pe"),
                ("password", "clave segura 2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("El formulario caducó"));
    assert_eq!(h1(&html), "El formulario caducó");

    let res = app
        .submit(
            "/login",
            &[
                ("csrf_token", "inventado"),
                ("email", "maria@regioncajamarca.gob.pe"),
                ("password", "clave segura 2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_wrong_password_in_the_form_shows_a_spanish_error_and_keeps_the_email() {
    let app = spawn_app().await;
    let (_, html) = app.page("/login").await;
    let csrf = csrf_token(&html);
    let res = app
        .submit(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", "maria@regioncajamarca.gob.pe"),
                ("password", "mala"),
            ],
        )
        .await;
    assert_eq!(res.status(), 401);
    let html = res.text().await.unwrap();
    assert!(html.contains("Correo o contraseña incorrectos."));
    assert!(html.contains("value=\"maria@regioncajamarca.gob.pe\""));
    assert_eq!(h1(&html), "Ingresar");
    assert_eq!(
        text(&html, "main .error-summary[role=alert]"),
        "Correo o contraseña incorrectos."
    );
    // The e-mail is kept in its field; the password is not.
    assert_eq!(
        attrs(&html, "input#email", "value"),
        vec!["maria@regioncajamarca.gob.pe"]
    );
    assert_eq!(attrs(&html, "input#password", "value"), vec![""]);
}

#[tokio::test]
async fn the_public_access_form_shows_each_error_next_to_its_field_and_keeps_the_input() {
    let app = spawn_app().await;
    let (status, html) = app.page("/solicitar-acceso").await;
    assert_eq!(status, 200);
    let csrf = csrf_token(&html);
    let res = app
        .submit(
            "/solicitar-acceso",
            &[
                ("csrf_token", &csrf),
                ("full_name", "Carmen Tello Vásquez"),
                ("dni", "10117410"),
                ("position", "Asistente"),
                ("unit", "Recursos Humanos"),
                ("dependency", "Sede central"),
                ("start_date", "2024-02-01"),
                ("email", "carmen@gmail.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"Carmen Tello Vásquez\""),
        "typed input is kept"
    );
    // One error, in the summary and beside the e-mail field, which alone is marked.
    let beside = field_error(&html, "email");
    assert!(!beside.is_empty());
    assert_eq!(
        error_summary(&html),
        vec![(
            "#email".to_owned(),
            format!("Correo institucional: {beside}")
        )]
    );
    assert_eq!(attrs(&html, "[aria-invalid]", "id"), vec!["email"]);
    for (field, value) in [
        ("full_name", "Carmen Tello Vásquez"),
        ("dni", "10117410"),
        ("email", "carmen@gmail.com"),
    ] {
        assert_eq!(
            attrs(&html, &format!("form input#{field}"), "value"),
            vec![value],
            "typed input is kept"
        );
    }

    let res = app
        .submit(
            "/solicitar-acceso",
            &[
                ("csrf_token", &csrf),
                ("full_name", "Carmen Tello Vásquez"),
                ("dni", "10117410"),
                ("position", "Asistente"),
                ("unit", "Recursos Humanos"),
                ("dependency", "Sede central"),
                ("start_date", "2024-02-01"),
                ("email", "ctello@regioncajamarca.gob.pe"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Solicitud registrada"));
    assert_eq!(h1(&html), "Solicitud registrada");
    assert_eq!(text(&html, "main strong"), "ctello@regioncajamarca.gob.pe");
}

#[tokio::test]
async fn an_admin_approves_a_request_from_the_page() {
    let app = spawn_app().await;
    app.user(
        "jefa@regioncajamarca.gob.pe",
        Role::Admin,
        "clave segura 2026",
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/access-requests",
            None,
            &crate::helpers::access_request("nuevo@regioncajamarca.gob.pe"),
        )
        .await;
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.log_in_browser("jefa@regioncajamarca.gob.pe", "clave segura 2026")
        .await;
    let (status, html) = app.page("/admin/solicitudes").await;
    assert_eq!(status, 200);
    assert!(html.contains("nuevo@regioncajamarca.gob.pe"));
    // One card, with its e-mail and the two actions on it.
    let page = doc(&html);
    let card = page.one("ul.request-list > li");
    assert!(card
        .texts("dd")
        .contains(&"nuevo@regioncajamarca.gob.pe".to_owned()));
    assert_eq!(
        card.attrs("form", "action"),
        vec![
            format!("/admin/solicitudes/{id}/aprobar"),
            format!("/admin/solicitudes/{id}/rechazar")
        ]
    );
    let csrf = csrf_token(&html);
    let res = app
        .submit(
            &format!("/admin/solicitudes/{id}/aprobar"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.page("/admin/correos").await;
    assert!(html.contains("Su acceso a certdesk fue aprobado"));
    // The approval is a mail of its own, to the new account.
    let page = doc(&html);
    let mail = page
        .all("ul.mail-list > li")
        .into_iter()
        .find(|m| {
            m.text_at("h2")
                .contains("Su acceso a certdesk fue aprobado")
        })
        .expect("the approval mail");
    assert!(mail
        .text_at(".meta")
        .starts_with("Para nuevo@regioncajamarca.gob.pe"));
    // And the request is no longer pending.
    let (_, html) = app.page("/admin/solicitudes").await;
    assert_eq!(count(&html, "ul.request-list > li"), 0);
}

#[tokio::test]
async fn a_requester_cannot_open_admin_pages() {
    let app = spawn_app().await;
    app.user(
        "maria@regioncajamarca.gob.pe",
        Role::Solicitante,
        "clave segura 2026",
    )
    .await;
    app.log_in_browser("maria@regioncajamarca.gob.pe", "clave segura 2026")
        .await;
    let (status, html) = app.page("/admin/solicitudes").await;
    assert_eq!(status, 403);
    assert!(html.contains("no tiene permiso"));
    assert_eq!(h1(&html), "Acceso denegado");
    assert!(texts(&html, "main > p")[0].contains("no tiene permiso"));
    assert_eq!(count(&html, "ul.request-list"), 0);
    let (status, _) = app.page("/admin/correos").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_api_with_a_browser_session_needs_the_csrf_header_to_change_things() {
    let app = spawn_app().await;
    app.user(
        "jefa@regioncajamarca.gob.pe",
        Role::Admin,
        "clave segura 2026",
    )
    .await;
    app.log_in_browser("jefa@regioncajamarca.gob.pe", "clave segura 2026")
        .await;
    let res = app.browser.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 200, "reads work with the cookie");
    let res = app
        .browser
        .post(app.url("/api/v1/access-requests/x/approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "writes need X-CSRF-Token");
}

#[tokio::test]
async fn unknown_pages_are_spanish_404s() {
    let app = spawn_app().await;
    let (status, html) = app.page("/no-existe").await;
    assert_eq!(status, 404);
    assert!(html.contains("Página no encontrada"));
    assert_eq!(h1(&html), "Página no encontrada");
    assert_eq!(attrs(&html, "html", "lang"), vec!["es-PE"]);
    let res = app.get("/api/v1/no-existe", None).await;
    crate::helpers::problem(res, 404).await;
}

#[tokio::test]
async fn static_files_are_embedded_and_fingerprinted() {
    let app = spawn_app().await;
    let (_, html) = app.page("/login").await;
    let start = html.find("/static/app.css?v=").unwrap();
    let end = start + html[start..].find('"').unwrap();
    let res = app
        .browser
        .get(app.url(&html[start..end]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}
