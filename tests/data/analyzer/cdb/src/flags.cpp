#ifdef DOCTOWN_FROM_DB
/// Exists only when the compile database's -D reaches the parser.
int only_with_db() { return 1; }
#else
int only_without_db() { return 0; }
#endif
