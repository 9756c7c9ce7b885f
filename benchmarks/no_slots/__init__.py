"""Settings for the page-load benchmark: the article page without its related-articles slot."""
