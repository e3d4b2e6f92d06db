"""Pure domain: values, rules and errors; no I/O."""
