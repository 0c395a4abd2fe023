// A notice a form leaves for the page it goes back to (the list shows it once).
export const flash = $state<{ notice: string; injuryId: string | null }>({ notice: "", injuryId: null });
