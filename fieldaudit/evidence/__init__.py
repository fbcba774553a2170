"""Evidence photos: the pure Pillow pipeline and the content-addressed blob store."""
