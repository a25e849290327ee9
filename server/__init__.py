"""HTTP API and embeddable chat widget for 问答 (wenda)."""
