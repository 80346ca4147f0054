//! Bindings for `alerter:flavor@0.2.x` (`wit/flavor.wit`), the newest
//! contract: the host imports are implemented once, on these types
//! (`imports/`), and the older contracts' imports delegate to them.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "alerter-flavor",
    imports: { default: async | trappable },
    exports: { default: async },
    additional_derives: [PartialEq, Eq, serde::Serialize, serde::Deserialize],
});
