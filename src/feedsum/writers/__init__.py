"""Writers turn `FeedItem` values into feed documents and put them on disk."""
