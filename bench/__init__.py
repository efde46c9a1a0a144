"""Benchmarks (`make bench`): ratios measured side by side (A B A B …, median of per-round
ratios) plus absolute figures; each module's ``main()`` returns Markdown lines."""
