/* csv.h - RFC 4180 CSV rows from a byte stream, streamed.
 *
 * The first row is the header (its cells name the columns). Before it a
 * UTF-8 BOM and PowerShell's "#TYPE Namespace.Type" line (Export-Csv
 * without -NoTypeInformation) are skipped. The delimiter is the one of
 * ',', ';' and TAB that occurs most often outside quotes in the header
 * line (Export-Csv -UseCulture writes ';' in many locales).
 *
 * Rows end at a line break (LF or CRLF) outside quotes; a quoted cell may
 * hold delimiters, line breaks (LF or CRLF, kept as written) and doubled
 * quotes. Tolerated (docs/VIOLATIONS.md): a quote inside an unquoted cell
 * is a character; text after a quoted cell's closing quote is part of the
 * cell; rows with fewer or more cells than the header (the missing
 * columns are absent, extra cells are nameless); blank lines (no record).
 * A row longer than max_record is skipped (MH_SKIP_OVERSIZED) without
 * being held: the bytes are read on to its end and dropped. An input that
 * ends inside a quoted cell gives MH_SKIP_TRUNCATED for that row.
 */
#ifndef MH_CSV_H
#define MH_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/slice.h"

struct mh_stream;
struct mh_csv;

struct mh_csv_cell {
	const char *p; /* raw text: inside the quotes for a quoted cell */
	size_t n;
	int quoted; /* the cell was quoted */
	int dq;     /* it holds doubled quotes: mh_csv_text unescapes */
};

struct mh_csv_row {
	const char *p; /* the row's bytes (without its line break); valid
	                * until the next call, like the cells */
	size_t n;
	uint64_t offset; /* of p[0] in the (decompressed) input */
	unsigned line;   /* 1-based line of p[0] */
	const struct mh_csv_cell *cells;
	size_t ncells;
};

struct mh_csv_opts {
	size_t max_record; /* bytes per row; 0: 16 MiB */
	/* Byte range (reader.h mh_source range_*): 0 or a row start
	 * mh_csv_find_row gave, and 0 (to the end), UINT64_MAX or such a
	 * row start. The rows starting in [range_start, range_end) are read;
	 * in a range that does not start at 0 their lines are counted from
	 * range_start (mh_csv_range) and messages carry no line. */
	uint64_t range_start, range_end;
};

/* Read the header from s (borrowed; at offset 0). MH_OK; MH_EFORMAT when
 * there is no header row (empty input); MH_ENOMEM; read errors. */
int mh_csv_open(struct mh_csv **out, struct mh_stream *s,
                const struct mh_csv_opts *o, struct mh_err *err);

/* The header's cells, unescaped (owned by the framer, valid until free). */
const struct mh_slice *mh_csv_columns(const struct mh_csv *c, size_t *n);
char mh_csv_delim(const struct mh_csv *c);

/* The next row: 1 with *row set; 0 at the end; MH_ESKIP when a row was
 * skipped (err: reason, offset, line, text; call again); another negative
 * code when the input cannot be read further. */
int mh_csv_next(struct mh_csv *c, struct mh_csv_row *row, struct mh_err *err);

uint64_t mh_csv_pos(const struct mh_csv *c);

/* Where a file may be cut into ranges for threads: *out is the start
 * of a row at or after `at` that is one whatever the bytes before `at`
 * hold, or UINT64_MAX when none is found within about `limit` bytes (or
 * `at` is not past the header). A line break is outside quotes or inside
 * a quoted cell, and a quoted cell may hold text that looks like rows
 * (RFC 4180), so a line start is not one for sure: from the first line
 * start at or after `at` the rows are scanned both ways, as if it were a
 * row start and as if it were inside a quoted cell, and the first line
 * break at which both rows end is one in the file too (from there on the
 * two ways read the same bytes the same way, and one of them is how the
 * file is read). Moves the stream: c is then good for more calls to this
 * and mh_csv_free only. MH_OK or read errors. */
int mh_csv_find_row(struct mh_csv *c, uint64_t at, uint64_t limit,
                    uint64_t *out, struct mh_err *err);

/* What a range of a file holds (reader.h struct mh_range_count): 1 with
 * *first the range's start and *lines the line breaks from it to the end
 * of the range, once mh_csv_next has returned 0; 0 before (*lines 0). */
int mh_csv_range(const struct mh_csv *c, uint64_t *first, uint64_t *lines);

/* NULL allowed. */
void mh_csv_free(struct mh_csv *c);

/* p[0..n) with each doubled quote made one (a lone quote kept) into d,
 * which has room for n + 16 bytes; the length written. */
size_t mh_csv_undouble(const char *p, size_t n, char *d);

/* The text of a cell: its bytes, or for a cell with doubled quotes an
 * unescaped copy in a. MH_OK or MH_ENOMEM. */
int mh_csv_text(const struct mh_csv_cell *cell, struct mh_arena *a,
                struct mh_slice *out);

/* How much the first line of head[0..n) (after a BOM and a #TYPE line)
 * looks like the header row of a CSV export, 0..100: two or more short
 * printable cells; a #TYPE line makes it surer. A line that starts like a
 * mail header field or JSON is not. name is unused (the reader weighs
 * it with the column names). */
int mh_csv_probe(const char *head, size_t n, const char *name);

/* The header cells of head[0..n) (trimmed, outer quotes removed; doubled
 * quotes left as they are): out[0..min(found, max)), returns found. */
size_t mh_csv_header_cells(const char *head, size_t n, struct mh_slice *out,
                           size_t max);

#endif
