//! Bindings for `alerter:flavor@0.1.x` (`wit/archive/0.1.0/flavor.wit`).

wasmtime::component::bindgen!({
    path: "../wit/archive/0.1.0",
    world: "alerter-flavor",
    imports: { default: async | trappable },
    exports: { default: async },
});
