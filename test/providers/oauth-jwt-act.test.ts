// RFC 8693 §4.1 `act` in the tokens of delegated tasks: the subject is the root's owner, the current
// actor (the token's holder) outermost, each earlier delegate nested inside the one after it.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { OWNER, makeProvider, mintRequest } from './oauth-jwt-fixtures.js';

const ROOT = 'spiffe://example.test/agent/root';
const FIRST = 'spiffe://example.test/agent/first';
const SECOND = 'spiffe://example.test/agent/second';

describe('oauth-jwt act claim', () => {
  it('nests the chain, most recent actor outermost, on mint, renewal and redelivery', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock, { actorChain: [ROOT, FIRST, SECOND] });
    const minted = await provider.mint(request);
    const act = { sub: OWNER, act: { sub: SECOND, act: { sub: FIRST } } };
    const token = (minted.credential as { accessToken: string }).accessToken;
    expect(decodeJwt(token)).toMatchObject({ sub: ROOT, client_id: OWNER, act });
    expect(await provider.verifyAccessToken(token, clock.now())).toMatchObject({ sub: ROOT, client_id: OWNER, act });

    const lease = {
      id: request.leaseId, state: 'active' as const, owner: OWNER, trustDomain: 'example.test', taskId: request.taskId, provider: 'orders-api',
      providerKind: 'oauth-jwt' as const, scope: request.scope, handle: request.leaseId, issuedAt: request.issuedAt, expiresAt: minted.expiresAt,
      maxExpiresAt: request.issuedAt + 3_600_000, renewals: 0,
    };
    const renewed = await provider.renew({ lease, expiresAt: clock.now() + 600_000, actorChain: [ROOT, FIRST, SECOND] });
    expect(decodeJwt((renewed.credential as { accessToken: string }).accessToken)).toMatchObject({ sub: ROOT, act });
    const again = await provider.redeliver(lease, [ROOT]);
    expect(decodeJwt(again.accessToken)).toMatchObject({ sub: ROOT, client_id: OWNER, act: { sub: OWNER } });
  });

  it('leaves a task opened directly as it was: the holder is the subject, no act', async () => {
    const { provider, clock } = await makeProvider();
    for (const chain of [undefined, []]) {
      const minted = await provider.mint(mintRequest(clock, chain === undefined ? {} : { actorChain: chain }));
      const claims = decodeJwt((minted.credential as { accessToken: string }).accessToken);
      expect(claims.sub).toBe(OWNER);
      expect(claims).not.toHaveProperty('act');
    }
  });
});
