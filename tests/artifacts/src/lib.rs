//! The guests of the plugins/ workspace, built for wasm32-wasip2 by this
//! crate's build script: one `&str` path constant per component, named after
//! its package (`fixture-echo` is [`ECHO`], `alerter-flavor-slack` is
//! [`SLACK`]), and [`ALL`]. A package added to plugins/ shows up here with no
//! edit. For tests only (a dev-dependency).

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
