use super::*;
use crate::pipeline::events::BUILTIN_TYPES;

/// Every event a preset may name can be read from an event log: the built-in operation names
/// map onto it, its own English name among them (`received` is the export's receipt column).
#[test]
fn every_preset_event_has_operation_names_in_the_event_log() {
    for e in EVENTS.iter().filter(|e| **e != "received") {
        let names = BUILTIN_TYPES
            .iter()
            .find(|(kind, _)| kind == e)
            .map(|(_, names)| *names)
            .unwrap_or_else(|| panic!("`{e}` has no operation names"));
        assert!(
            names.contains(e),
            "`{e}` is not among its own operation names"
        );
    }
}
