"""Cross-cutting pieces every layer may use: settings, logging, domain errors."""
