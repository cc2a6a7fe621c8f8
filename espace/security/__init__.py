"""« Sécurité de mon espace »: open sessions, remembered browsers, « Prolonger ma session »."""
