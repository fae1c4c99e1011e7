/* migrations.h - the SQL migrations compiled into the binary from sql/
 * by cmake/embed_sql.cmake, in version order. */
#ifndef LL_MIGRATIONS_H
#define LL_MIGRATIONS_H

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const int store_migrations_count;

#endif
