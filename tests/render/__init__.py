"""Renderer tests: golden text and Markdown plans, the Markdown size limit, the JSON plan schema."""
