//! The report queries on a database filled by `scripts/reports-bench/fill.sh` (one million
//! tickets): each query's plan and time through the store, for the default period and for
//! the whole history. The figures go to BENCHMARKS.md, "Report queries at 1M tickets":
//!
//! `CERTDESK_BENCH_DATABASE_URL=sqlite:///tmp/reports-1m.db cargo bench -p certdesk --bench report_queries`
//!
//! With `CERTDESK_BENCH_SQL_DIR` set, each query's SQL is written there too, to time it with
//! the engine's own client. Without `CERTDESK_BENCH_DATABASE_URL` it says so and does nothing
//! (filling a million tickets takes minutes; it is not part of the test run).

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[tokio::main]
async fn main() {
    use certdesk::store::{reports as q, Store};
    use domain::report::Period;
    use std::time::Instant;
    let Ok(url) = std::env::var("CERTDESK_BENCH_DATABASE_URL") else {
        eprintln!(
            "report_queries: set CERTDESK_BENCH_DATABASE_URL to a database filled by \
             scripts/reports-bench/fill.sh"
        );
        return;
    };
    let store = Store::connect(&url).await.unwrap();
    let backend = store.backend();
    // "Now" in the fill script: Wednesday 2 Dec 2026.
    let today = jiff::civil::date(2026, 12, 2);
    let periods = [
        ("default (12 weeks)", Period::default_for(today)),
        (
            "whole history (4 years)",
            Period {
                from: jiff::civil::date(2023, 1, 1),
                to: today,
            },
        ),
    ];
    let sql_dir = std::env::var("CERTDESK_BENCH_SQL_DIR").ok();
    for (label, period) in periods {
        let (start, end) = period.bounds();
        let span = q::Span { start, end };
        println!(
            "\n## {} — {label}: {} to {}",
            backend.as_str(),
            period.from,
            period.to
        );
        let mut conn = store.conn().await.unwrap();
        macro_rules! time {
            ($name:literal, $call:expr) => {{
                let mut runs = Vec::new();
                let mut rows = 0;
                for _ in 0..3 {
                    let started = Instant::now();
                    rows = $call.await.unwrap().len();
                    runs.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                runs.sort_by(f64::total_cmp);
                println!(
                    "{:<28} {:>9.1} ms (median of 3; {rows} rows)",
                    $name, runs[1]
                );
            }};
        }
        time!("tramites_por_estado", q::status_kind(&mut conn, span));
        time!("lotes_por_semana", q::batch_weeks(&mut conn, span));
        time!("tiempo_hasta_envio", q::waits(&mut conn, span));
        time!("tasa_de_observacion", q::decisions(&mut conn, span));
        time!("motivos_de_observacion", async {
            q::reasons(&mut conn, span).await.map(|r| r.by_text)
        });
        time!("certificados_por_vencer", q::expiring(&mut conn, today));
        time!(
            "descargas_en_riesgo",
            q::at_risk(&mut conn, today, domain::report::days_after(today, 7))
        );
        let plans = q::explain(&mut conn, backend, span, today).await.unwrap();
        for (i, (name, sql, plan)) in plans.iter().enumerate() {
            println!("\n### {name}\n{}", plan.join("\n"));
            if let Some(dir) = &sql_dir {
                let tag = if label.starts_with("default") {
                    "default"
                } else {
                    "whole"
                };
                std::fs::write(
                    format!("{dir}/{}-{tag}-{i:02}-{name}.sql", backend.as_str()),
                    format!("{sql};\n"),
                )
                .unwrap();
            }
        }
    }
}
