"""Pure computation: no Django imports, no I/O, plain data in and out."""
