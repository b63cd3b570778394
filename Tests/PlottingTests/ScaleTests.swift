import Testing
import Plotting

@Suite("Nice ticks follow the 1-2-5 rule")
struct NiceTicksTests {
    @Test("a unit range gets steps of 0.2")
    func unitRange() {
        #expect(NiceTicks.ticks(lower: 0, upper: 1, targetCount: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test("19 layers with six ticks step by 2 (18/6 = 3 rounds to 2)")
    func layers() {
        #expect(NiceTicks.step(span: 18, targetCount: 6) == 2)
        #expect(NiceTicks.ticks(lower: 0, upper: 18, targetCount: 6) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    }

    @Test("ticks stay inside an off-grid range and are free of float noise")
    func offGrid() {
        #expect(NiceTicks.ticks(lower: -0.13, upper: 0.87, targetCount: 5) == [0, 0.2, 0.4, 0.6, 0.8])
        #expect(NiceTicks.ticks(lower: 0.1, upper: 0.35, targetCount: 5) == [0.1, 0.15, 0.2, 0.25, 0.3, 0.35])
    }

    @Test("steps are 1, 2 or 5 times a power of ten")
    func stepChoices() {
        #expect(NiceTicks.step(span: 7, targetCount: 5) == 1)      // 1.4 → 1
        #expect(NiceTicks.step(span: 12, targetCount: 5) == 2)     // 2.4 → 2
        #expect(NiceTicks.step(span: 0.02, targetCount: 5) == 0.005)  // 0.004 → 5e-3
        #expect(NiceTicks.step(span: 450, targetCount: 5) == 100)  // 90 → 100
    }

    @Test("a nice domain widens outward to whole steps")
    func niceDomain() {
        #expect(NiceTicks.niceDomain(lower: 0.03, upper: 0.87) == 0...1)
        #expect(NiceTicks.niceDomain(lower: -0.013, upper: 0.171) == -0.05...0.2)
        #expect(NiceTicks.niceDomain(lower: 2, upper: 2) == 1.9...2.1)
    }

    @Test("labels carry as many decimals as the step needs, with a true minus sign")
    func labels() {
        #expect(NiceTicks.label(0.25, step: 0.05) == "0.25")
        #expect(NiceTicks.label(0.4, step: 0.2) == "0.4")
        #expect(NiceTicks.label(12, step: 2) == "12")
        #expect(NiceTicks.label(-0.2, step: 0.2) == "\u{2212}0.2")
        #expect(NiceTicks.label(-0.0, step: 0.1) == "0.0")
    }
}

@Suite("Linear scales map the domain affinely onto pixels")
struct LinearScaleTests {
    @Test("ends map to ends and the midpoint to the middle, also reversed")
    func mapping() {
        let x = LinearScale(domain: 0...10, range: (100, 300))
        #expect(x(0) == 100)
        #expect(x(10) == 300)
        #expect(x(2.5) == 150)
        let y = LinearScale(domain: -1...1, range: (400, 200))
        #expect(y(-1) == 400)
        #expect(y(0.5) == 250)
    }

    @Test("a single-point domain maps to the middle of the range")
    func degenerate() {
        #expect(LinearScale(domain: 3...3, range: (0, 50))(3) == 25)
    }
}
