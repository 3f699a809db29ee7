/** An SVG arrowhead for the ends of a graph's edges (`markerEnd="url(#id)"`), styled by `className`. */
export function ArrowMarker({ id, className }: { id: string; className: string }) {
  return (
    <defs>
      <marker
        id={id}
        viewBox="0 0 10 10"
        refX="10"
        refY="5"
        markerWidth="7"
        markerHeight="7"
        orient="auto-start-reverse"
      >
        <path d="M 0 0 L 10 5 L 0 10 z" className={className} />
      </marker>
    </defs>
  );
}
