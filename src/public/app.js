// Live SLA countdowns: every element with data-due (epoch ms) shows the time left or overdue.
function span(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export function tickCountdowns(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll('.countdown[data-due]')) {
    const left = Number(el.dataset.due) - now;
    el.textContent = left < 0 ? `Overdue by ${span(left)}` : `${span(left)} left`;
    el.classList.toggle('sla-breached', left < 0);
    el.classList.toggle('sla-soon', left >= 0 && left < 60000);
    el.classList.toggle('sla-ok', left >= 60000);
  }
}

tickCountdowns();
setInterval(tickCountdowns, 1000);
