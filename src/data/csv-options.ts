/** CSV reader options (the config's data.csv; validated by config/schema.ts). */
export const DEFAULT_NULL_VALUES = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];

export interface CsvOptions {
  delimiter: string;
  null_values: string[];
  has_header: boolean;
  quote_char: string;
  /** strip spaces around values (", "-separated files): numbers become numbers again */
  trim?: boolean;
  /** lines to skip before the header (or the first row) */
  skip_rows?: number;
  /** lines starting with this text are skipped */
  comment_prefix?: string;
  /** column names: for files without a header (has_header: false), or to replace the header's */
  column_names?: string[];
}

/**
 * A header read as one column whose name holds another delimiter: the file is separated otherwise than
 * `sep` says. Returns that delimiter, or undefined.
 */
export function otherDelimiter(columns: string[], sep: string): string | undefined {
  return columns.length === 1 ? [';', '\t', '|', ','].find((d) => d !== sep && columns[0]!.includes(d)) : undefined;
}

/** How a delimiter is named in messages: tab, or the character quoted. */
export const delimiterName = (d: string): string => (d === '\t' ? 'tab' : JSON.stringify(d));
