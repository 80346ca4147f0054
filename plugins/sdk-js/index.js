// Entry point of the SDK inside a component build: the bindings half
// (installs http.fetch and log.write) plus everything from core.js.
// Tests running under Node import './core.js' instead.
export * from './component.js';
