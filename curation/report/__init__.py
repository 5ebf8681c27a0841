"""The data-quality dashboard: a static site under data/reports/, rebuilt after every refresh and evaluation."""
