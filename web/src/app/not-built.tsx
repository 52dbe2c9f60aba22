export function NotBuiltPage({ label }: { label: string }) {
  return (
    <section>
      <h1>{label}</h1>
      <div className="state state-empty not-built">
        <strong>Not built yet.</strong> This area of govern is planned but not available in this
        version; nothing here is real data, so nothing is shown.
      </div>
    </section>
  );
}

export function NotAllowedPage() {
  return (
    <section>
      <h1>Not available</h1>
      <div className="state state-empty">Your role may not open this page.</div>
    </section>
  );
}

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <div className="state state-empty">There is no console page at this address.</div>
    </section>
  );
}
