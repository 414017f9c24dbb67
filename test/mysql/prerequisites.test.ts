/** The MariaDB suite's guard fails (never skips) when the server cannot be started, in CI or not. */
import { assertPrerequisites } from "./mariadb-server";

test("missing MariaDB binaries make the suite fail loudly with the install command", () => {
  expect(() => assertPrerequisites({ ...process.env, PATH: "/nonexistent" })).toThrow(
    /missing mariadbd, mariadb-install-db, mariadb, mariadb-admin, openssl: apt-get install mariadb-server/,
  );
});

test("with the binaries present (this machine and CI), the guard passes", () => {
  expect(() => assertPrerequisites()).not.toThrow();
});
