// The labels of the core's enums and the facts of the day, asked of the core once at start
// (the `vocabulary` command). The window spells no label and computes no rule of its own.
import { vocabulary } from "../bindings/commands";
import type { Choice } from "../bindings/Choice";
import type { Vocabulary } from "../bindings/Vocabulary";

let current: Vocabulary | null = null;

/** Asks the core for the vocabulary; called once before the window is drawn. */
export async function loadWords(): Promise<void> {
  current = await vocabulary();
}

/** The vocabulary (the core's lists with their Vietnamese labels). */
export function words(): Vocabulary {
  if (!current) throw new Error("vocabulary not loaded");
  return current;
}

function labelIn<T>(list: Choice<T>[], value: T): string {
  return list.find((c) => c.value === value)?.label ?? String(value);
}

type Values<K extends keyof Vocabulary> = Vocabulary[K] extends Choice<infer T>[] ? T : never;

/** The Vietnamese label of a value of one of the core's enums. */
export function label<K extends keyof Vocabulary>(list: K, value: Values<K>): string {
  return labelIn(words()[list] as Choice<Values<K>>[], value);
}
