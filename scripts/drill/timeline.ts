/** One scenario's story, in order: what the drill did, what AWS (played) did, what the functions did. */
export type TimelineKind = 'seed' | 'fault' | 'alarm' | 'deliver' | 'invoke' | 'api' | 'event' | 'notify' | 'check';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  text: string;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];

  add(kind: TimelineKind, text: string, at = new Date()): void {
    this.entries.push({ at, kind, text });
  }

  sorted(): TimelineEntry[] {
    return [...this.entries].sort((a, b) => a.at.getTime() - b.at.getTime());
  }
}
