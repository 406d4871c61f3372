"""The command line: parses options, builds the concrete adapters, prints results."""
