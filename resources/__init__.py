"""Icons, themes, prompt templates and sample data shipped with the app."""
