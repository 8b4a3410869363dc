// The server process's database handle: connectDatabase() with the driver's command monitoring on,
// so that round trips can be counted.
import type { CommandStartedEvent } from 'mongodb';
import { connectDatabase, type Database } from '@clinic/db';

/** A command as the benches count it by kind and target: `<command> <collection>`, or `<command>` alone. */
export function commandKey(e: CommandStartedEvent): string {
  const target: unknown = e.command[e.commandName];
  return typeof target === 'string' ? `${e.commandName} ${target}` : e.commandName;
}

export interface MonitoredDatabase extends Database {
  /** Called with every command the driver sends (one per round trip). */
  onCommand(listener: (commandName: string) => void): void;
}

export async function connectMonitored(uri: string, dbName: string): Promise<MonitoredDatabase> {
  const database = await connectDatabase({ uri, dbName, driverOptions: { monitorCommands: true } });
  return {
    ...database,
    onCommand(listener) {
      database.client.on('commandStarted', (e: CommandStartedEvent) => listener(e.commandName));
    },
  };
}
