//! audit: filled in by phase 2 of the domain issue.
