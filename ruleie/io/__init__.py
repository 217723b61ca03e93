"""Inputs and outputs: paths and streams → documents; records → JSONL, CSV, tables and the HTML report."""
