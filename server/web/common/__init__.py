"""What the web features share: i18n, labels, URLs, charts, batched queries, naming."""
