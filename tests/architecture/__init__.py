"""Tests of the code's shape: import graph rules that import-linter contracts cannot state."""
