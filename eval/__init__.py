"""Evaluation of 问答 (wenda): gold sets, metrics, the runner, reports and the `qa eval` command."""
