// A real OpenID Connect provider for the tests: oidc-provider (OpenID Certified) with its own development log-in
// pages, in memory, on loopback. Started by tests/support/oidc_server.py with one argument, a JSON file:
//   {modules, issuer, port, clients: [...], accounts: {id: {claims}}, ttl: {IdToken: seconds, ...}}
// Any password logs in as an account id listed in `accounts` (the development pages never check passwords).
// Consent is taken as given for every client, as a first-party staff application would have it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const entry = pathToFileURL(join(config.modules, 'node_modules', 'oidc-provider', 'lib', 'index.js')).href;
const { default: Provider } = await import(entry);

const scopes = ['openid', 'email', 'profile'];
const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  pkce: { required: () => true },
  scopes,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600,
         ...(config.ttl || {}) },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(scopes.join(' '));
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'preferred_username']);
    await grant.save();
    return grant;
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(config.port, '127.0.0.1', () => console.log(`oidc-provider listening on ${config.issuer}`));
