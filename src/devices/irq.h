/* How devices raise interrupts without knowing about KVM: a sink that sets an IRQ line level. */
#ifndef NV_DEVICES_IRQ_H
#define NV_DEVICES_IRQ_H

struct irq_sink {
	void (*set_level)(struct irq_sink *sink, unsigned irq, int level);
};

static inline void irq_sink__set(struct irq_sink *sink, unsigned irq, int level)
{
	if (sink && sink->set_level)
		sink->set_level(sink, irq, level);
}

#endif
