import Testing

// Placeholder so the test target builds before its first suite lands; delete when adding one.
