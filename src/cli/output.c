/* output.c - print results like openstack (cliff): ASCII tables, JSON or bare values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/cleanup.h"

int cli_format_parse(const char *s, enum cli_format *out)
{
	static const char *const names[] = { "table", "json", "value" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum cli_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

char *cli_value_text(const json_t *v)
{
	char *s = NULL;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_TRUE:
		return strdup("True");
	case JSON_FALSE:
		return strdup("False");
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			return NULL;
		return s;
	case JSON_REAL:
		if (asprintf(&s, "%g", json_real_value(v)) < 0)
			return NULL;
		return s;
	case JSON_OBJECT:
	case JSON_ARRAY:
		return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	case JSON_NULL:
	default:
		return strdup(v ? "None" : "");
	}
}

/* Display width of one line of s (up to a newline): UTF-8 code points. */
static size_t line_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Widest line of a possibly multi-line cell. */
static size_t cell_width(const char *s)
{
	size_t w = 0;

	while (*s) {
		size_t n = strcspn(s, "\n");
		size_t lw = line_width(s, n);

		if (lw > w)
			w = lw;
		s += n;
		if (*s)
			s++;
	}
	return w;
}

static size_t cell_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		if (*s == '\n' && s[1])
			n++;
	return n;
}

/* Line k of cell s as a pointer and length ("" past the end). */
static const char *cell_line(const char *s, size_t k, size_t *len)
{
	while (k-- > 0) {
		const char *nl = strchr(s, '\n');

		if (!nl) {
			*len = 0;
			return "";
		}
		s = nl + 1;
	}
	*len = strcspn(s, "\n");
	return s;
}

static void print_rule(const size_t *w, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		putchar('+');
		for (size_t i = 0; i < w[c] + 2; i++)
			putchar('-');
	}
	puts("+");
}

/* One table row of ncols cells, each maybe multi-line. */
static void print_row(char *const *cells, const size_t *w, size_t ncols)
{
	size_t lines = 1;

	for (size_t c = 0; c < ncols; c++)
		if (cell_lines(cells[c]) > lines)
			lines = cell_lines(cells[c]);
	for (size_t k = 0; k < lines; k++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t len;
			const char *s = cell_line(cells[c], k, &len);

			printf("| %.*s%*s ", (int)len, s, (int)(w[c] - line_width(s, len)), "");
		}
		puts("|");
	}
}

/* Print a table: headings then nrows rows of ncols cells (row-major). */
static void print_table(const char *const *headings, char **cells, size_t nrows, size_t ncols)
{
	size_t w[CLI_MAX_COLUMNS];

	for (size_t c = 0; c < ncols; c++) {
		w[c] = cell_width(headings[c]);
		for (size_t r = 0; r < nrows; r++)
			if (cell_width(cells[r * ncols + c]) > w[c])
				w[c] = cell_width(cells[r * ncols + c]);
	}
	print_rule(w, ncols);
	print_row((char *const *)headings, w, ncols);
	print_rule(w, ncols);
	for (size_t r = 0; r < nrows; r++)
		print_row(cells + r * ncols, w, ncols);
	print_rule(w, ncols);
}

/* Whether -c selects name (no -c: everything). */
static bool column_wanted(const struct cli *cli, const char *name)
{
	if (cli->ncolumns == 0)
		return true;
	for (int i = 0; i < cli->ncolumns; i++)
		if (strcasecmp(cli->columns[i], name) == 0)
			return true;
	return false;
}

static void free_cells(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

static int print_json(json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return -EIO;
	putchar('\n');
	return 0;
}

int cli_print_list(const struct cli *cli, const struct cli_column *cols, size_t ncols,
		   const json_t *rows)
{
	const struct cli_column *sel[CLI_MAX_COLUMNS];
	const char *headings[CLI_MAX_COLUMNS];
	size_t n = 0, nrows = json_array_size(rows);
	char **cells;

	for (size_t c = 0; c < ncols && n < CLI_MAX_COLUMNS; c++)
		if (column_wanted(cli, cols[c].heading)) {
			sel[n] = &cols[c];
			headings[n++] = cols[c].heading;
		}
	if (n == 0) {
		fprintf(stderr, "basalt: no recognized column names in -c\n");
		return -EINVAL;
	}
	if (cli->format == CLI_FMT_JSON) {
		_cleanup_json_ json_t *out = json_array();

		for (size_t r = 0; out && r < nrows; r++) {
			json_t *row = json_array_get(rows, r), *o = json_object();

			if (!o || json_array_append_new(out, o) < 0)
				return -ENOMEM;
			for (size_t c = 0; c < n; c++) {
				json_t *v = json_object_get(row, sel[c]->key);

				if (json_object_set(o, sel[c]->heading, v ? v : json_null()) < 0)
					return -ENOMEM;
			}
		}
		return out ? print_json(out) : -ENOMEM;
	}
	if (nrows == 0)
		return 0; /* like openstack: an empty list prints nothing */
	if (!(cells = calloc(nrows * n, sizeof(*cells))))
		return -ENOMEM;
	for (size_t r = 0; r < nrows; r++) {
		json_t *row = json_array_get(rows, r);

		for (size_t c = 0; c < n; c++) {
			json_t *v = json_object_get(row, sel[c]->key);
			char *s = sel[c]->format ? sel[c]->format(v) : cli_value_text(v);

			if (!s) {
				free_cells(cells, nrows * n);
				return -ENOMEM;
			}
			cells[r * n + c] = s;
		}
	}
	if (cli->format == CLI_FMT_VALUE) {
		for (size_t r = 0; r < nrows; r++)
			for (size_t c = 0; c < n; c++)
				printf("%s%c", cells[r * n + c], c + 1 < n ? ' ' : '\n');
	} else {
		print_table(headings, cells, nrows, n);
	}
	free_cells(cells, nrows * n);
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cli_print_object(const struct cli *cli, const json_t *obj)
{
	static const char *const headings[] = { "Field", "Value" };
	const char *k;
	json_t *v;
	size_t n = 0, size = json_object_size(obj);
	_cleanup_free_ const char **keys = calloc(size ? size : 1, sizeof(*keys));
	char **cells;
	int r = 0;

	if (!keys)
		return -ENOMEM;
	json_object_foreach((json_t *)obj, k,
			    v) if (strcmp(k, "links") != 0 && column_wanted(cli, k)) keys[n++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	if (cli->format == CLI_FMT_JSON) {
		_cleanup_json_ json_t *out = json_object();

		for (size_t i = 0; out && i < n; i++)
			if (json_object_set(out, keys[i], json_object_get(obj, keys[i])) < 0)
				return -ENOMEM;
		return out ? print_json(out) : -ENOMEM;
	}
	if (!(cells = calloc(2 * n + 1, sizeof(*cells))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!(cells[2 * i] = strdup(keys[i])) ||
		    !(cells[2 * i + 1] = cli_value_text(json_object_get(obj, keys[i])))) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (cli->format == CLI_FMT_VALUE) {
		for (size_t i = 0; i < n; i++)
			puts(cells[2 * i + 1]);
	} else if (n > 0) {
		print_table(headings, cells, n, 2);
	}
out:
	free_cells(cells, 2 * n);
	return r;
}
