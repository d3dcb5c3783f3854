#pragma once
/* SQLite 3 (Debian libsqlite3-dev): the label index beside the ImageFolder archive. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import. */
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
