"""Demo member firms of a Polish-German-Romanian ICT cluster, with their competences and users."""

from typing import TypedDict


class DemoMember(TypedDict):
    name: str
    country: str
    website: str
    description: str
    competences: tuple[str, ...]
    users: tuple[tuple[str, str], ...]


DEMO_MEMBERS: tuple[DemoMember, ...] = (
    {
        "name": "Odra Software sp. z o.o.",
        "country": "PL",
        "website": "https://odra-software.example",
        "description": (
            "Odra Software is a Wrocław software house of about sixty engineers building web "
            "platforms for logistics and fintech clients. The team works mostly in Python and "
            "Java and runs what it builds on AWS and Kubernetes."
        ),
        "competences": (
            "Python",
            "Django",
            "Java",
            "Spring Boot",
            "React",
            "AWS",
            "Kubernetes",
            "PostgreSQL",
            "Test automation",
        ),
        "users": (
            ("Agnieszka Nowak", "agnieszka.nowak@odra-software.example"),
            ("Tomasz Wiśniewski", "tomasz.wisniewski@odra-software.example"),
        ),
    },
    {
        "name": "Strażnica Security sp. z o.o.",
        "country": "PL",
        "website": "https://straznica-security.example",
        "description": (
            "Strażnica Security is a Kraków cybersecurity firm offering penetration tests, "
            "a 24/7 security operations centre and compliance programmes. It helps banks, "
            "hospitals and municipal utilities prepare for ISO 27001 certification and NIS2."
        ),
        "competences": (
            "Penetration testing",
            "ISO 27001 implementation",
            "Security operations (SOC)",
            "Incident response",
            "Identity and access management",
            "Cloud security",
            "Secure code review",
            "NIS2 compliance",
            "Microsoft Azure",
        ),
        "users": (
            ("Paweł Zieliński", "pawel.zielinski@straznica-security.example"),
            ("Katarzyna Wójcik", "katarzyna.wojcik@straznica-security.example"),
        ),
    },
    {
        "name": "Żuraw Games sp. z o.o.",
        "country": "PL",
        "website": "https://zuraw-games.example",
        "description": (
            "Żuraw Games is an independent game studio from Gdańsk making narrative adventure "
            "and co-op titles for PC and consoles. Between its own releases it takes on "
            "porting and co-development work for other publishers."
        ),
        "competences": (
            "Unity",
            "Unreal Engine",
            ".NET / C#",
            "Game design",
            "Level design",
            "3D art and animation",
            "Console porting",
            "Multiplayer networking",
        ),
        "users": (("Michał Kowalczyk", "michal.kowalczyk@zuraw-games.example"),),
    },
    {
        "name": "Spreewerk Digital GmbH",
        "country": "DE",
        "website": "https://spreewerk-digital.example",
        "description": (
            "Spreewerk Digital is a Berlin UX and product design agency working for public "
            "institutions, health start-ups and e-commerce. It runs user research, builds "
            "design systems and delivers accessible front ends in React."
        ),
        "competences": (
            "UX research",
            "Figma prototyping",
            "UI design",
            "Design systems",
            "Accessibility audit (WCAG)",
            "Usability testing",
            "React",
            "TypeScript",
        ),
        "users": (
            ("Lena Hoffmann", "lena.hoffmann@spreewerk-digital.example"),
            ("Jonas Becker", "jonas.becker@spreewerk-digital.example"),
        ),
    },
    {
        "name": "Pleißetal Consulting GmbH",
        "country": "DE",
        "website": "https://pleissetal-consulting.example",
        "description": (
            "Pleißetal Consulting is a Leipzig SAP partner that moves mid-sized manufacturers "
            "and wholesalers from ECC to SAP S/4HANA. It also builds reporting on top of the "
            "new systems and manages the rollout projects end to end."
        ),
        "competences": (
            "SAP S/4HANA",
            "SAP ABAP development",
            "SAP Fiori",
            "Microsoft Dynamics 365",
            "Data warehousing",
            "Power BI",
            "Business analysis",
            "PRINCE2",
        ),
        "users": (
            ("Jürgen Schäfer", "juergen.schaefer@pleissetal-consulting.example"),
            ("Sabine Krüger", "sabine.krueger@pleissetal-consulting.example"),
        ),
    },
    {
        "name": "Elbtal Systemtechnik GmbH",
        "country": "DE",
        "website": "https://elbtal-systemtechnik.example",
        "description": (
            "Elbtal Systemtechnik is a Dresden engineering company designing embedded "
            "electronics and firmware for industrial machinery and automotive suppliers. "
            "Its team covers everything from PCB layout to Yocto-based gateways and PLC "
            "integration on the shop floor."
        ),
        "competences": (
            "Embedded C/C++",
            "Yocto Linux",
            "FreeRTOS",
            "AUTOSAR",
            "PLC programming",
            "PCB design",
            "OPC UA integration",
            "Computer vision",
            "Python",
        ),
        "users": (("Matthias Böhm", "matthias.boehm@elbtal-systemtechnik.example"),),
    },
    {
        "name": "Someș Data SRL",
        "country": "RO",
        "website": "https://somes-data.example",
        "description": (
            "Someș Data is a Cluj-Napoca consultancy building data platforms and machine "
            "learning products for retail and telecom clients. It designs pipelines on AWS "
            "and Google Cloud and puts language models into production."
        ),
        "competences": (
            "Python",
            "Data engineering",
            "Apache Spark",
            "Machine learning",
            "Natural language processing",
            "LLM integration",
            "AWS",
            "Google Cloud Platform",
            "Terraform",
        ),
        "users": (
            ("Ioana Mureșan", "ioana.muresan@somes-data.example"),
            ("Radu Pop", "radu.pop@somes-data.example"),
        ),
    },
    {
        "name": "Ceahlău Software SRL",
        "country": "RO",
        "website": "https://ceahlau-software.example",
        "description": (
            "Ceahlău Software is an Iași outsourcing company with dedicated Java and .NET "
            "teams for western European clients. It also implements Salesforce and Odoo for "
            "smaller firms and runs a test automation practice."
        ),
        "competences": (
            "Java",
            "Spring Boot",
            ".NET / C#",
            "Angular",
            "Microsoft Azure",
            "Salesforce",
            "Odoo",
            "Test automation",
            "Selenium",
        ),
        "users": (
            ("Mihai Ciobanu", "mihai.ciobanu@ceahlau-software.example"),
            ("Elena Rusu", "elena.rusu@ceahlau-software.example"),
        ),
    },
)
