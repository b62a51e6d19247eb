import { Icon } from '../components';

/** Browser mode opened without its access token: say exactly how to get in. */
export function TokenMissing({ expired = false }: { expired?: boolean }) {
  return (
    <main className="gate">
      <div className="gate__card">
        <div className="gate__icon">
          <Icon name="key" size={24} />
        </div>
        <h1 className="gate__title">
          {expired ? 'This page’s access token is out of date' : 'Open Atelier from its launch address'}
        </h1>
        {expired ? (
          <p>
            Atelier was restarted and made a new access token, so this tab can no longer reach it. Your
            library is safe: open the new address to carry on.
          </p>
        ) : (
          <p>
            This page needs the access token that <code>npm run serve</code> prints when it starts. It keeps
            other pages and other people on this computer from using your library and your API keys.
          </p>
        )}
        <ol className="gate__steps">
          <li>
            Look at the terminal where you ran <code>npm run serve</code>.
          </li>
          <li>
            Open the address after <q>Atelier is running at</q>: it looks like{' '}
            <code>http://127.0.0.1:5417/#token=…</code>
          </li>
        </ol>
        <p className="gate__note">The token is kept for this tab only and removed from the address bar.</p>
      </div>
    </main>
  );
}
