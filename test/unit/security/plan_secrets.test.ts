// What compile() returns is printed, logged and shown by dry runs: the credentials of a
// connection must travel beside the plan, never inside it or its JSON form.
import { describe, expect, test } from "vitest";
import { DryRunRunner, pod, type ConnectionOptions } from "../../../lib/mod.ts";

/** Every secret-bearing connection option, each with a value found nowhere else. */
const SECRET_CONNECTION: Readonly<Record<string, ConnectionOptions>> = {
  oauthToken: { oauthToken: "secret-oauth-token-7d1e" },
  password: { username: "alice", password: "secret-password-7d1e" },
  clientKeyData: { clientKeyData: "-----BEGIN PRIVATE KEY-----\nsecret-client-key-7d1e\n-----END PRIVATE KEY-----\n" },
  clientCertData: { clientCertData: "-----BEGIN CERTIFICATE-----\nsecret-client-cert-7d1e\n-----END CERTIFICATE-----\n" },
  caCertData: { caCertData: "-----BEGIN CERTIFICATE-----\nsecret-ca-cert-7d1e\n-----END CERTIFICATE-----\n" },
  keyStorePassphrase: { keyStoreFile: "/etc/podkit/client.p12", keyStorePassphrase: "secret-keystore-passphrase-7d1e" },
  trustStorePassphrase: { trustStoreFile: "/etc/podkit/trust.p12", trustStorePassphrase: "secret-truststore-passphrase-7d1e" },
  clientKeyPassphrase: { clientKeyFile: "/etc/podkit/client.key", clientKeyPassphrase: "secret-client-key-passphrase-7d1e" },
  oauthTokenProvider: { oauthTokenProvider: { command: "secret-token-command-7d1e", args: ["--secret-token-argument-7d1e"] } },
};

/** The secret strings of a connection: every string value, the token provider's command and arguments included. */
function secretsOf(connection: ConnectionOptions): string[] {
  return Object.entries(connection).flatMap(([key, value]) =>
    key === "username" || key.endsWith("File") ? [] : typeof value === "string" ? [value] : [value.command, ...(value.args ?? [])],
  );
}

// clientKeyData and clientKeyFile exclude each other: all at once, the passphrase goes with the data.
const { clientKeyFile: _, ...EVERY } = Object.assign({ masterUrl: "https://k8s.example.com:6443" }, ...Object.values(SECRET_CONNECTION)) as ConnectionOptions;
// A key store and a PEM client certificate and key are two ways to give one identity: all
// the rest at once with each.
const { keyStoreFile: _k, keyStorePassphrase: _p, ...ALL } = EVERY;
const { clientKeyData: _d, clientCertData: _c, clientKeyPassphrase: _q, ...ALL_STORES } = EVERY;

function compiled(connection: ConnectionOptions) {
  return pod("secrets")
    .connection(connection)
    .container({ name: "main", image: "busybox", command: ["cat", "{{workingDir}}/in.txt"] })
    .inputFile("in.txt", "hello\n")
    .outputFiles("out.txt")
    .compile();
}

function expectNoSecret(text: string, connection: ConnectionOptions): void {
  const secrets = secretsOf(connection);
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text).not.toContain(secret);
  // A PEM body would show up escaped in JSON even if its armour did not.
  for (const secret of secrets) expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
}

describe("a compiled pod holds no credential where it can be printed", () => {
  test.each(Object.entries(SECRET_CONNECTION))("%s is not in JSON.stringify(compiled.plan), JSON.stringify(compiled) nor describe()", (_, connection) => {
    const pod = compiled(connection);
    expectNoSecret(JSON.stringify(pod.plan), connection);
    expectNoSecret(JSON.stringify(pod), connection);
    expectNoSecret(pod.describe(), connection);
  });

  test.each([
    ["PEM", ALL],
    ["key store", ALL_STORES],
  ])("with every secret-bearing option at once (client identity as %s), the connection is beside the plan, intact, and not serialised", (_, all) => {
    const pod = compiled(all);
    expect(pod.connection).toEqual(all);
    expect(Object.keys(JSON.parse(JSON.stringify(pod)) as object).sort()).toEqual(["manifest", "plan"]);
    expectNoSecret(JSON.stringify(pod), all);
    expectNoSecret(JSON.stringify(pod.manifest), all);
  });

  test.each([
    ["PEM", ALL],
    ["key store", ALL_STORES],
  ])("a dry run shows none of them (client identity as %s)", async (_, all) => {
    const result = await new DryRunRunner().run(compiled(all));
    expectNoSecret(JSON.stringify(result), all);
  });
});
