//! Native timing of one authentication verification per fixture:
//!   bench-verify <fixtures.json> [target ms per run, default 300]
//! Prints one JSON line per fixture and mode: {"alg","mode","iterations","usPerOp"} (the fastest
//! of 5 runs; each run is sized to take about the target time).

use std::time::{Duration, Instant};

use authaz_bench_verify::{Fixture, Mode, Prepared};

const RUNS: usize = 5;
const MAX_ITERATIONS: u32 = 1_000_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bench-verify <fixtures.json> [target ms per run]");
        std::process::exit(2);
    };
    let target = Duration::from_millis(args.next().and_then(|s| s.parse().ok()).unwrap_or(300));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let fixtures: Vec<Fixture> = serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    for fixture in &fixtures {
        let prepared = Prepared::new(fixture).unwrap_or_else(|e| fail(&e));
        for (mode, name) in [(Mode::Full, "full"), (Mode::Checks, "checks")] {
            let iterations = calibrate(&prepared, mode, target);
            let best = (0..RUNS)
                .map(|_| {
                    let start = Instant::now();
                    prepared.verify_loop(mode, iterations).unwrap_or_else(|e| fail(&e));
                    start.elapsed()
                })
                .min()
                .unwrap_or_default();
            let us = best.as_secs_f64() * 1e6 / f64::from(iterations);
            println!(
                "{}",
                serde_json::json!({ "alg": fixture.alg, "mode": name, "iterations": iterations, "usPerOp": us })
            );
        }
    }
}

/// Doubles the iteration count until one run takes at least a tenth of the target, then scales.
fn calibrate(prepared: &Prepared, mode: Mode, target: Duration) -> u32 {
    let mut n = 1u32;
    loop {
        let start = Instant::now();
        prepared.verify_loop(mode, n).unwrap_or_else(|e| fail(&e));
        let took = start.elapsed();
        if took >= target / 10 || n >= MAX_ITERATIONS {
            let scaled = target.as_secs_f64() / took.as_secs_f64().max(1e-9) * f64::from(n);
            return (scaled as u32).clamp(1, MAX_ITERATIONS);
        }
        n = n.saturating_mul(2);
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("bench-verify: {msg}");
    std::process::exit(1);
}
