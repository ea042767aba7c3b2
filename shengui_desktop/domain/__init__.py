"""Records, standards and rules of the 小升规 programme: pure Python, no I/O, no Qt."""
