/** A table's column headers. */
export function Head({ columns }: { columns: readonly (string | false)[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) =>
          column === false ? null : (
            <th key={column} scope="col">
              {column}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
