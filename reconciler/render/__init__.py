"""Turning plans and apply results into text, Markdown and JSON. Pure: strings out, no printing."""
