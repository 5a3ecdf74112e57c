"""Facts about source code that several rule families ask for."""
