// How a player's JACK client is named on the room's JACK server. The hub starts every player's
// jacktrip with `-K <username>`, so the client is named after them; when a name is taken, JACK
// or jacktrip renames the newcomer with a number (`bob-01`, `bob_2`), as after a reconnect
// whose old client has not left yet.

/** Does this JACK client belong to the player `username`? */
export function clientIsPlayer(client: string, username: string): boolean {
  if (client === username) return true;
  if (!client.startsWith(username)) return false;
  return /^[-_]\d+$/.test(client.slice(username.length));
}

/**
 * The member a JACK client belongs to, if any. The longest matching name wins: `bob-1` is the
 * member bob-1's own client, not bob's renamed one.
 */
export function playerOf(client: string, usernames: readonly string[]): string | undefined {
  if (usernames.includes(client)) return client;
  let best: string | undefined;
  for (const name of usernames)
    if (clientIsPlayer(client, name) && (best === undefined || name.length > best.length))
      best = name;
  return best;
}
